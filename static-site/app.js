// Shell page: checks that the API answers. The screens come with the site issue.
const status = document.getElementById("status");
const config = await fetch("config.json").then((r) => r.json());
try {
  const health = await fetch(`${config.api_base}/health`).then((r) => r.json());
  status.textContent = health.status === "ok" ? "API disponible." : "API indisponible.";
} catch {
  status.textContent = "API injoignable.";
}
