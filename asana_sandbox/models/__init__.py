"""Object rules of the sandbox, one module per domain: what a create, an update or a delete does to the store.

The write routes, `POST /_sandbox/mutate` and the dataset builders all go through these, so that a rule
(what bumps `modified_at`, which events a change appends, which records a delete takes along) is written once.
"""
