// Starts Swagger UI on the public API's own OpenAPI document (/external-api/openapi.json).
// "Authorize" takes an API key (X-API-Key) or a bearer token.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/external-api/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayRequestDuration: true,
    persistAuthorization: false,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  });
});
