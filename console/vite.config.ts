import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a running `treadle server` (TREADLE_SERVER, default :8080).
const server = process.env.TREADLE_SERVER ?? "http://127.0.0.1:8080";
const proxied = ["/apis", "/api", "/treadle", "/healthz", "/readyz"];

export default defineConfig({
  plugins: [react()],
  base: "/",
  server: {
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: server, ws: true, changeOrigin: true }])),
  },
  build: {
    chunkSizeWarningLimit: 900,
    sourcemap: false,
  },
});
