// Type declarations of the xbuild package (index.js).
/// <reference types="node" />
import { EventEmitter } from 'events'

/** Names as one comma-separated string ('x64,arm64') or a list. */
export type Names = string | readonly string[]

/** The commands, as the second argument of a 'progress' event names them. */
export type Command = 'wheels' | 'prebuild' | 'image' | 'index_create' | 'repair' | 'inspect' | 'doctor'

/** What every function takes. */
export interface CommonOptions {
  /** Gets each progress line (a failure's log tail as one multi-line string). */
  onProgress?: (line: string) => void
  /** Stops the work, leaving no partial output; the promise rejects with an AbortError. An abort stops
   * every call running in this process. */
  signal?: AbortSignal
  /** The cache directory; default $XBUILD_CACHE, $XDG_CACHE_HOME/xbuild, ~/.cache/xbuild. */
  cache?: string
  /** The Debian mirror; default $XBUILD_MIRROR, else the host's apt sources. */
  mirror?: string
  verbose?: boolean
  quiet?: boolean
}

export interface WheelsOptions extends CommonOptions {
  /** Default: [tool.xbuild] archs, else the host's. */
  arch?: Names
  /** Default: [tool.xbuild] python, else all that requires-python allows. */
  python?: Names
  /** The floor ('2_31'); default: [tool.xbuild] manylinux, else 2_31. */
  manylinux?: string
  /** Default 'wheelhouse'. */
  output?: string
  /** Compile under qemu in a target-arch toolchain stage. */
  emulate?: boolean
  /** Resolve with the failed build ids' results instead of rejecting. */
  keepGoing?: boolean
  /** One build id alone ('cp313-manylinux_aarch64'), whatever arch, python and skip say. */
  only?: string
  /** Build ids at once (0: the number of cores); default 1. */
  jobs?: number
}

export interface PrebuildOptions extends CommonOptions {
  /** Node's names (x64, arm64); default: package.json xbuild.archs, else the host's. */
  arch?: Names
  /** The floor ('2.31'); default: xbuild.glibc, else 2.31. */
  glibc?: string
  /** Debian suites whose Node tests each prebuild. */
  testSuites?: Names
  /** Default: <path>/prebuilds. */
  output?: string
  emulate?: boolean
  /** An addon of V8/NAN/libuv: abi<N> prebuilds for the suite's Node. */
  abi?: boolean
  /** Strip with the target's strip. */
  strip?: boolean
  /** Resolve with the failed archs' results instead of rejecting. */
  keepGoing?: boolean
}

export interface ImageOptions extends CommonOptions {
  /** Default: [image] archs, else the host's. */
  arch?: Names
  /** Default: [image] tag. */
  tag?: string
  /** The archive; default image.tar unless layout or push is given alone. */
  output?: string
  /** docker-archive instead of oci-archive. */
  dockerFormat?: boolean
  /** Also an OCI image layout directory. */
  layout?: string
  /** To the registry the tag names ($XBUILD_REGISTRY_AUTH: user:password). */
  push?: boolean
}

export interface RepairOptions extends CommonOptions {
  /** Default 'wheelhouse'. */
  output?: string
  /** A policy or tag the wheel must meet; the lowest it meets is kept too. */
  plat?: string
  /** Only plat's tag (needs plat). */
  onlyPlat?: boolean
  strip?: boolean
  /** The stage's Debian suite; default: the default build suite. */
  suite?: string
  /** Debian packages providing the libraries to graft. */
  packages?: Names
}

export interface InspectOptions extends CommonOptions {
  /** Where each needed library resolves, in a stage of the file's arch. */
  resolve?: boolean
  /** With resolve: the stage's Debian suite. */
  suite?: string
  /** With resolve: extra Debian packages in that stage. */
  packages?: Names
}

export interface DoctorOptions extends CommonOptions {
  /** Default: x64 and arm64 (amd64, arm64). */
  arch?: Names
}

/** What every build id's result has (a wheel's build id, a prebuild's arch). */
export interface Outcome {
  ok: boolean
  /** Taken from the result cache: nothing was built or tested. */
  cached: boolean
  seconds: number
  buildSeconds: number
  testSeconds: number
  log: string
  /** The one-line error when not ok. */
  error: string | null
}

export interface WheelResult extends Outcome {
  buildId: string
  wheel: string | null
  tags: string[]
}

export interface PrebuildResult extends Outcome {
  arch: string
  prebuild: string | null
  /** File names written beside it: grafted libraries. */
  grafted: string[]
  /** File names written beside it: the package's programs (package.json xbuild.executables). */
  executables: string[]
  glibcFloor: string | null
}

export interface GraftedLibrary {
  soname: string
  newName: string
  stagePath: string
}

export interface RepairResult {
  wheel: string
  policy: string
  platformTag: string
  grafted: GraftedLibrary[]
}

export interface DoctorCheck {
  status: 'ok' | 'missing' | 'warning'
  what: string
  detail: string
  /** The command that fixes a missing piece. */
  fix: string
}

/** What `--json` prints, unchanged (some keys are data, such as symbol versions). */
export type JsonObject = Record<string, any>

/** Build, repair and test the project's wheels (`xbuild wheels`); path defaults to '.'. */
export function wheels (path?: string, options?: WheelsOptions): Promise<WheelResult[]>
/** Build and test a Node addon's prebuilds in node-gyp-build's layout (`xbuild prebuild`). */
export function prebuild (path?: string, options?: PrebuildOptions): Promise<PrebuildResult[]>
/** Build a slim multi-arch OCI image (`xbuild image`); resolves with what --json prints. */
export function image (path?: string, options?: ImageOptions): Promise<JsonObject>
/** Merge images pushed per platform into one index under target (`xbuild index create`); resolves with
 * the index's digest. */
export function indexCreate (target: string, sources: readonly string[], options?: CommonOptions): Promise<string>
/** Graft external libraries into wheels and tag them honestly (`xbuild repair`). */
export function repair (wheel: string | readonly string[], options?: RepairOptions): Promise<RepairResult[]>
/** A wheel's or ELF file's arch, needed libraries and symbol versions (`xbuild inspect --json`). */
export function inspect (file: string, options?: InspectOptions): Promise<JsonObject>
/** What this host has and lacks for each target arch (`xbuild doctor`). */
export function doctor (options?: DoctorOptions): Promise<DoctorCheck[]>

/** A failure of xbuild, with its one-line message. */
export class XbuildError extends Error {
  name: 'XbuildError'
  readonly code: 'XBUILD_ERROR'
}

export type ProgressListener = (line: string, command: Command) => void

/** Every progress line of every call. */
export interface XbuildEvents extends EventEmitter {
  on (event: 'progress', listener: ProgressListener): this
  on (event: string | symbol, listener: (...args: any[]) => void): this
  once (event: 'progress', listener: ProgressListener): this
  once (event: string | symbol, listener: (...args: any[]) => void): this
  addListener (event: 'progress', listener: ProgressListener): this
  addListener (event: string | symbol, listener: (...args: any[]) => void): this
  prependListener (event: 'progress', listener: ProgressListener): this
  prependListener (event: string | symbol, listener: (...args: any[]) => void): this
  off (event: 'progress', listener: ProgressListener): this
  off (event: string | symbol, listener: (...args: any[]) => void): this
  removeListener (event: 'progress', listener: ProgressListener): this
  removeListener (event: string | symbol, listener: (...args: any[]) => void): this
}
export const events: XbuildEvents

/** The xbuild binary that enters the sandboxes: $XBUILD_BINARY, this package's, PATH's; '' if none. */
export function binary (): string
/** The recipes this package ships ($XBUILD_RECIPES first); '' for the binary's own. */
export function recipesDir (): string

/** The addon's version (the package's). */
export const version: string
export const nativeVersion: string
