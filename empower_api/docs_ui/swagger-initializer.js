// Starts Swagger UI on the API's own document. A file, not an inline script, so the
// page's Content-Security-Policy can forbid inline scripts. validatorUrl null: the
// default would send the document to an outside validator.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
