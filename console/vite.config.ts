import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a running `treadle server` (TREADLE_SERVER, default :8080).
const server = process.env.TREADLE_SERVER ?? "http://127.0.0.1:8080";
const proxied = ["/apis", "/api", "/treadle", "/healthz", "/readyz"];

// The server takes writes and terminals only from pages of its own origin. This dev
// server serves the console from another one, so the console's own requests (same
// origin as this dev server) go on with the server's origin; any other page's keep
// theirs, and the server refuses them.
type Forwarded = { getHeader(name: string): unknown; setHeader(name: string, value: string): void };
type Incoming = { headers: Record<string, string | string[] | undefined> };
function asTheServer(proxyReq: Forwarded, req: Incoming) {
  if (req.headers.origin && req.headers.origin === `http://${req.headers.host}`) proxyReq.setHeader("origin", server);
}

export default defineConfig({
  plugins: [react()],
  base: "/",
  server: {
    proxy: Object.fromEntries(
      proxied.map((p) => [
        p,
        {
          target: server,
          ws: true,
          changeOrigin: true,
          configure: (proxy) => {
            proxy.on("proxyReq", asTheServer);
            proxy.on("proxyReqWs", asTheServer);
          },
        },
      ]),
    ),
  },
  build: {
    chunkSizeWarningLimit: 900,
    sourcemap: false,
  },
});
