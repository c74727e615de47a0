/**
 * werift's settings for loopback-only machines (../shared/PEERS.md): it skips loopback
 * unless told to use 127.0.0.1, and with no STUN server it still queries a public one
 * and waits; point it at a closed local port and do not wait.
 */
export const WERIFT_LOOPBACK_CONFIG = {
  iceAdditionalHostAddresses: ['127.0.0.1'],
  iceInterfaceAddresses: { udp4: '127.0.0.1' },
  iceUseIpv6: false,
  iceServers: [{ urls: 'stun:127.0.0.1:9' }],
  iceStunGatherTimeout: 0.001,
};
