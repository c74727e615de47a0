/** Two data channel managers over SCTP associations over an in-memory link, virtual clock. */
import { seededRandom } from '../../src/common/random.js';
import type { DataChannelEvent, DataChannelManagerOptions } from '../../src/datachannel/manager.js';
import { DataChannelManager } from '../../src/datachannel/manager.js';
import type { SctpAssociationOptions } from '../../src/sctp/association.js';
import { SctpAssociation } from '../../src/sctp/association.js';
import type { LinkOptions } from '../sctp/helpers.js';
import { Link } from '../sctp/helpers.js';
import { SansIoPair } from '../support/sansio-pair.js';

export class DcPair extends SansIoPair<DataChannelEvent, DataChannelManager, Link> {
  constructor(o: { a?: Partial<DataChannelManagerOptions>; b?: Partial<DataChannelManagerOptions>; sa?: SctpAssociationOptions; sb?: SctpAssociationOptions; link?: LinkOptions; seed?: number } = {}) {
    const seed = o.seed ?? 1;
    super(
      new DataChannelManager(new SctpAssociation({ rng: seededRandom(seed * 5 + 1), rtoMinMs: 200, ...o.sa }), { dtlsRole: 'client', remoteMaxMessageSize: 262144, ...o.a }),
      new DataChannelManager(new SctpAssociation({ rng: seededRandom(seed * 5 + 2), rtoMinMs: 200, ...o.sb }), { dtlsRole: 'server', remoteMaxMessageSize: 262144, ...o.b }),
      new Link(o.link ?? { delayMs: 5 }, seed * 5 + 3),
      new Link(o.link ?? { delayMs: 5 }, seed * 5 + 4),
    );
  }

  connect(): void {
    this.a.connect(this.now);
    this.run(() => this.a.association.state === 'established' && this.b.association.state === 'established', 10_000);
  }

  messages(side: 'a' | 'b', id?: number): (string | Uint8Array)[] {
    return (side === 'a' ? this.eventsA : this.eventsB).filter((e): e is Extract<DataChannelEvent, { type: 'message' }> => e.type === 'message' && (id === undefined || e.id === id)).map((e) => e.data);
  }
}
