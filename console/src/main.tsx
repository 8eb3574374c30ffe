import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { auth } from "./api/client";
import { App } from "./App";
import "./styles/base.css";
import "./styles/components.css";
import "./styles/pages.css";

auth.adoptTokenFromUrl();
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
