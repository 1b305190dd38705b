/**
 * The typed view of the OpenStack resources the plugin manages (only the fields it reads).
 */

export interface ServerAddress {
  addr: string;
  version: number;
  'OS-EXT-IPS:type'?: 'fixed' | 'floating';
}

export interface Server {
  id: string;
  name: string;
  /** BUILD, ACTIVE, ERROR, SHUTOFF, DELETED, ... */
  status: string;
  addresses: Record<string, ServerAddress[]>;
  fault?: { message: string; code?: number; details?: string };
  metadata?: Record<string, string>;
  key_name?: string | null;
  security_groups?: { name: string }[];
}

export interface Flavor {
  id: string;
  name: string;
}

export interface Image {
  id: string;
  name: string;
  status: string;
}

export interface Keypair {
  name: string;
  fingerprint: string;
  public_key: string;
  /** Only when Nova generated the pair (create without a public key). */
  private_key?: string;
}

/** Neutron resource kinds, by their URL collection name. */
export const NeutronKind = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  securityGroup: 'security-groups',
  securityGroupRule: 'security-group-rules',
  router: 'routers',
  floatingIp: 'floatingips',
} as const;
export type NeutronKind = (typeof NeutronKind)[keyof typeof NeutronKind];

/** The JSON member name of one resource of a kind (`security-groups` -> `security_group`). */
export function neutronMember(kind: NeutronKind): string {
  const members: Record<NeutronKind, string> = {
    networks: 'network',
    subnets: 'subnet',
    ports: 'port',
    'security-groups': 'security_group',
    'security-group-rules': 'security_group_rule',
    routers: 'router',
    floatingips: 'floatingip',
  };
  return members[kind];
}

/** Any Neutron resource: id, name (most kinds), status (some), and the rest as sent. */
export interface NeutronResource {
  id: string;
  name?: string;
  status?: string;
  [key: string]: unknown;
}

export interface Volume {
  id: string;
  name: string | null;
  /** creating, available, in-use, error, deleting, ... */
  status: string;
  size: number;
  attachments: { server_id: string; attachment_id?: string; device?: string }[];
}

export interface VolumeAttachment {
  id: string;
  serverId: string;
  volumeId: string;
  device?: string;
}
