// comlink ships the Node adapter's types beside it but names no subpath exports.
declare module "comlink/dist/esm/node-adapter.mjs" {
  export { default } from "comlink/dist/esm/node-adapter";
}
