/** SDP (RFC 8866 / 4566) model: plain data. Attribute order is preserved so a re-serialised description stays recognisable. */

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpConnection {
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  /** `null` for flag attributes such as `a=sendrecv`. */
  value: string | null;
}

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpMedia {
  type: string; // audio, video, application, ...
  port: number;
  portCount?: number;
  proto: string; // RTP/AVP, RTP/SAVP, ...
  formats: string[]; // payload types (RTP) or tokens
  connection?: SdpConnection;
  bandwidths: string[];
  attributes: SdpAttribute[];
  /** Lines we keep verbatim (i=, k=, ...). */
  other: string[];
}

export interface SessionDescription {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  connection?: SdpConnection;
  bandwidths: string[];
  timing: string[];
  attributes: SdpAttribute[];
  other: string[];
  media: SdpMedia[];
}

export interface Rtpmap {
  pt: number;
  encoding: string;
  clockRate: number;
  channels?: number;
}
