import { openApiDocument } from '#app/http/openapi.server'
console.log(JSON.stringify({ paths: openApiDocument.paths, schemas: openApiDocument.components?.schemas }, null, 1))
