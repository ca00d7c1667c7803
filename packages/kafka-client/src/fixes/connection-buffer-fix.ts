import { isFixedKafkajsVersion, kafkajsRequire } from './kafkajs-version.js';

/** Marks the prototype once patched, so a second call does not wrap the wrapper. */
const patched = Symbol('fixConnectionBufferOnReconnect');

/** kafkajs reads a response's 4-byte size first (Decoder.int32Size()). */
const SIZE_BYTES = 4;

/** The fields of kafkajs' Connection that hold a response being received, and what reconnects it. */
interface ConnectionState {
  chunks: Buffer[];
  bytesBuffered: number;
  bytesNeeded: number;
  socket?: { removeAllListeners(event: string): unknown; destroy(): void } | null;
  isConnected(): boolean;
  connect(): Promise<boolean>;
}

/**
 * kafkajs 2.2.4 keeps the bytes of a response it is receiving on the Connection object, which
 * it reuses when it connects again, and never clears them. A connection dropped in the middle of
 * a response (a broker frozen while it was sending a fetch answer, whose connection is then
 * closed for not answering; or one that closes it mid-answer) leaves that partial response
 * behind, with the size it still waits for. The next socket's answers are appended to it: they
 * are read as the rest of the lost response or as a garbled size, none is ever matched to its
 * request, and every request on that connection times out for as long as the process lives,
 * reconnect after reconnect (seen in a fault campaign: after two brokers were frozen and
 * thawed, each consumer replica's connections to one of them answered nothing but "Request
 * SaslHandshake timed out" for minutes, and that broker's partitions were no longer streamed).
 * kafkajs' disconnect also only ends the old socket, which can still receive (and feed this
 * buffer) after the new one is open.
 *
 * This makes each connect start clean: the old socket, if any, is detached and destroyed, and the
 * receive buffer is emptied. Only when not connected: connect() on a connected connection returns
 * at once and must not touch a response in progress. Returns whether it patched.
 */
export function fixConnectionBufferOnReconnect(): boolean {
  if (!isFixedKafkajsVersion()) return false;
  const Connection = kafkajsRequire('kafkajs/src/network/connection.js') as {
    prototype: ConnectionState & { [patched]?: true };
  };
  const prototype = Connection.prototype;
  if (prototype[patched]) return true;
  prototype[patched] = true;
  const { connect } = prototype;
  prototype.connect = function connectWithEmptyBuffer(this: ConnectionState): Promise<boolean> {
    if (!this.isConnected()) {
      // Its 'data' listener would feed the new connection's buffer with the old one's bytes.
      this.socket?.removeAllListeners('data');
      this.socket?.destroy();
      this.chunks = [];
      this.bytesBuffered = 0;
      this.bytesNeeded = SIZE_BYTES;
    }
    return connect.call(this);
  };
  return true;
}
