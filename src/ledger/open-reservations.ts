/**
 * The reservations a spend book holds open: a doubly linked list, each reservation object carrying its own node under a
 * symbol, instead of a Map from id to entry. A long-lived Map with an entry added and deleted on every request rehashes
 * its table again and again, and those tables are old-space garbage: the gateway's heap then grows in a sawtooth between
 * full collections (bench/notes/gateway.md, "Third pass"). Here a request allocates one node, young, and unlinks it.
 */
import type { Reservation } from "./counter-types.ts";

export interface OpenEntry<B> {
  readonly id: string;
  readonly bucket: B;
  readonly nano: number;
  readonly createdAt: number;
}

interface Node<B> extends OpenEntry<B> {
  /** Which list the node is in: a reservation made by another book is not this one's to close. */
  readonly owner: object;
  prev: Node<B> | undefined;
  next: Node<B> | undefined;
  linked: boolean;
}

const NODE = Symbol("frugal.openReservation");

export interface OpenReservations<B> {
  /** Links the entry and returns the reservation, frozen, carrying it (not enumerable: JSON, spreads, equality ignore it). */
  open(reservation: Reservation, entry: Omit<OpenEntry<B>, "id">): Reservation;
  /** Unlinks and returns the reservation's entry; undefined when it is not open (settled, released, expired or foreign). */
  close(reservation: Reservation): OpenEntry<B> | undefined;
  /** Unlinks every entry `expired` says is past its time and returns them. */
  closeWhere(expired: (entry: OpenEntry<B>) => boolean): OpenEntry<B>[];
  entries(): Iterable<OpenEntry<B>>;
  readonly size: number;
}

export function createOpenReservations<B>(): OpenReservations<B> {
  let head: Node<B> | undefined;
  let tail: Node<B> | undefined;
  let size = 0;
  const self = {};

  function unlink(node: Node<B>): void {
    if (node.prev === undefined) head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) tail = node.prev;
    else node.next.prev = node.prev;
    node.prev = undefined;
    node.next = undefined;
    node.linked = false;
    size--;
  }

  function nodeOf(reservation: Reservation): Node<B> | undefined {
    const own = (reservation as { [NODE]?: Node<B> })[NODE];
    if (own !== undefined) return own.owner === self ? own : undefined;
    // A copy of the reservation (a spread drops the symbol): found by id, the slow way.
    for (let n = head; n !== undefined; n = n.next) if (n.id === reservation.id) return n;
    return undefined;
  }

  return {
    open(reservation, entry) {
      const node: Node<B> = { owner: self, id: reservation.id, bucket: entry.bucket, nano: entry.nano, createdAt: entry.createdAt, prev: tail, next: undefined, linked: true };
      if (tail === undefined) head = node;
      else tail.next = node;
      tail = node;
      size++;
      Object.defineProperty(reservation, NODE, { value: node });
      return Object.freeze(reservation);
    },

    close(reservation) {
      const node = nodeOf(reservation);
      if (node === undefined || !node.linked) return undefined;
      unlink(node);
      return node;
    },

    closeWhere(expired) {
      const closed: OpenEntry<B>[] = [];
      for (let n = head; n !== undefined; ) {
        const next = n.next;
        if (expired(n)) {
          unlink(n);
          closed.push(n);
        }
        n = next;
      }
      return closed;
    },

    *entries() {
      for (let n = head; n !== undefined; n = n.next) yield n;
    },

    get size() {
      return size;
    },
  };
}
