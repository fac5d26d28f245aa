export { archiveSink } from './archive-sink.js';
export { archiveName, headerFor, jailPathOf, packEpoch } from './entry-header.js';
export { type InstallOptions, type InstallResult, installPackage, verifyPackage } from './install.js';
export { minisignCheck, minisignSign } from './minisign.js';
export { imageConfig, type OciOptions, type OciResult, packOci } from './oci.js';
export {
  type ImageRef,
  type ImageReport,
  installImage,
  pickTag,
  resolveImage,
  splitLayoutArg,
  verifyImage,
} from './oci-install.js';
export { isLayout, jsonBytes, MT, openLayout, putBlob, readBlob, readIndex, setTag } from './oci-layout.js';
export { type PackFormat, type PackOptions, type PackResult, packageEntries, packJail } from './pack.js';
export { manifestBytes, type PackageManifest, parseManifest } from './package-manifest.js';
export { planFromManifest } from './plan-from-manifest.js';
export { type PackageReport, readPackage, type TreeSink } from './read-package.js';
export {
  checkSignature,
  type KeygenResult,
  keygen,
  loadPrivateKey,
  loadPublicKey,
  type PackageSignature,
  signManifest,
} from './signature.js';
export { openPackSource, type PackSource } from './source.js';
export type { TarHeader, TarType } from './tar/header.js';
export { TarFormatError, TarReader } from './tar/reader.js';
export { TarWriter } from './tar/writer.js';
