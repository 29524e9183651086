"""`asana-webhooks`: a receiver for Asana webhooks (handshake, signed deliveries) that appends every
accepted event to a durable SQLite queue, which tap-asana's `webhook_events` stream drains.

- `queue`: the durable queue (committed before the receiver answers 200; a replayed event is stored once);
- `secrets`: each webhook's handshake secret, kept by path in a 0600 file, never logged;
- `receiver`: the WSGI app (served by waitress);
- `cli`: `asana-webhooks serve | create | list | delete`.
"""
