/**
 * The VPC fabric's API, typed once for both sides: the hypervisor holds a comlink
 * Remote<FabricApi>; the fabric's worker exposes the Fabric behind it. The frames themselves
 * never pass through the hypervisor: each instance's worker and the fabric's worker talk over a
 * MessagePort of their own, with FrameBatch messages.
 */
import type { NetworkTopology } from "./topology.ts";

/**
 * Ethernet frames (no preamble, no FCS), in order, each in a buffer of its own that is
 * transferred with the message. One message per emulator slice in each direction, never one per frame.
 */
export interface FrameBatch {
  readonly type: "frames";
  readonly frames: readonly Uint8Array[];
}

/** Either end of an instance's frame channel: a browser MessagePort or Node's worker_threads one. */
export interface FramePort {
  postMessage(message: FrameBatch, transfer: ArrayBuffer[]): void;
  close(): void;
}

/** One VPC Flow Logs record, as EC2 writes them (version 2 fields). */
export interface FlowRecord {
  readonly networkInterfaceId: string;
  readonly srcAddr: string;
  readonly dstAddr: string;
  readonly srcPort: number;
  readonly dstPort: number;
  /** IANA protocol number: 1 icmp, 6 tcp, 17 udp. */
  readonly protocol: number;
  readonly packets: number;
  readonly bytes: number;
  /** Epoch seconds of the first and the last packet. */
  readonly start: number;
  readonly end: number;
  readonly action: "ACCEPT" | "REJECT";
}

/** Frames the switch did not deliver, by reason; a frame it cannot parse is counted, never thrown. */
export interface FabricCounters {
  readonly framesIn: number;
  readonly framesOut: number;
  readonly dropped: {
    readonly unparseable: number;
    /** Source MAC or IP not the port's own (EC2's source/destination check). */
    readonly spoofed: number;
    readonly securityGroup: number;
    readonly noRoute: number;
    /** The receiving port's queue was full: a flooding sender loses its own frames. */
    readonly queueFull: number;
  };
}

/** An HTTP request from the browser (the internet) to an instance's public address. */
export interface InboundHttpRequest {
  readonly publicIp: string;
  readonly port: number;
  readonly method: string;
  /** Path and query, "/index.html?x=1". */
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | null;
}

export type InboundHttpResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly statusText: string;
      readonly headers: readonly (readonly [string, string])[];
      readonly body: Uint8Array;
    }
  | {
      readonly ok: false;
      /** "NoSuchAddress" (no public IP like it), "Blocked" (its security groups do not admit the browser: the connection times out), "ConnectionRefused", "Timeout", "BadResponse". */
      readonly code: string;
      readonly message: string;
    };

/**
 * A site the fabric answers itself instead of fetching it: a mirror's requests go to the page
 * over a port of their own ({ id, path } below the mirror's root) and come back as replies.
 */
export interface MirrorRequest {
  readonly id: number;
  readonly path: string;
}

export interface MirrorResponse {
  readonly id: number;
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** The fabric's end of a mirror's port: a browser MessagePort, or Node's worker_threads one. */
export interface MirrorPort {
  postMessage(message: MirrorRequest): void;
  onmessage: ((event: { readonly data: MirrorResponse }) => void) | null;
  close(): void;
}

export interface FabricApi {
  /** Answers http://host/rootPath... from the port (an offline apt archive at deb.debian.org) instead of fetching it. */
  serveMirror(host: string, rootPath: string, port: MirrorPort): Promise<void>;
  /** Replaces what the fabric knows of VPCs, subnets, groups and ports. */
  configure(topology: NetworkTopology): Promise<void>;
  /** Plugs the instance worker's frame channel into the port of networkInterfaceId. */
  connect(networkInterfaceId: string, port: FramePort): Promise<void>;
  /** Unplugs it (the instance stopped); its flow log and capture stay until forgotten. */
  disconnect(networkInterfaceId: string): Promise<void>;
  /** Drops everything kept for an interface that is gone (terminated). */
  forget(networkInterfaceId: string): Promise<void>;
  flowLog(networkInterfaceId: string): Promise<readonly FlowRecord[]>;
  /** The interface's recent traffic as a pcap file (LINKTYPE_ETHERNET) Wireshark opens. */
  capture(networkInterfaceId: string): Promise<Uint8Array>;
  counters(): Promise<FabricCounters>;
  /** The browser opening an instance's public address: HTTP/1.1 over a TCP connection the fabric opens to the guest. */
  httpRequest(request: InboundHttpRequest): Promise<InboundHttpResult>;
}
