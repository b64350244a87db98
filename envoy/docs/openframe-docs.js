// Starts Swagger UI on the OpenFrame OpenAPI documents served by the same edge.
// /openapi.json is the OpenAPI 3 rendering; /openapi/v2.json the protoc-gen-openapiv2 original.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    urls: [
      { url: "/openapi.json", name: "OpenFrame API (OpenAPI 3)" },
      { url: "/openapi/v2.json", name: "OpenFrame API (Swagger 2)" },
    ],
    "urls.primaryName": "OpenFrame API (OpenAPI 3)",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect.html",
  });
});
