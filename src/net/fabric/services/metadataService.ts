/**
 * The instance metadata service on each port's TCP stack, at 169.254.169.254:80: the service
 * answers for the instance behind the port as the topology describes it now (a changed
 * MetadataOptions applies at once), and only to the port's own address.
 */
import { formatCidr } from "../../cidr.ts";
import { serveHttp } from "../../http/serveHttp.ts";
import { imdsHttpHandler } from "../../imds/imdsService.ts";
import type { ImdsTokens } from "../../imds/tokens.ts";
import type { TcpStack } from "../../tcp/stack.ts";
import { METADATA_IP } from "../addresses.ts";
import type { PortView } from "../network.ts";

const HTTP_PORT = 80;

export function serveMetadata(
  stack: TcpStack,
  networkInterfaceId: string,
  portNow: (networkInterfaceId: string) => PortView | undefined,
  tokens: ImdsTokens,
  wallClock: () => number,
): void {
  const handler = imdsHttpHandler(
    (peer) => {
      const port = portNow(networkInterfaceId);
      if (!port || peer.remoteIp !== port.ip) return null;
      return { port: port.config, subnetCidrBlock: formatCidr(port.subnet.cidr), vpcCidrBlock: formatCidr(port.vpc.cidr) };
    },
    tokens,
    wallClock,
  );
  serveHttp(stack, METADATA_IP, HTTP_PORT, handler);
}
