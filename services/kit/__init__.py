"""The shared runtime kit: config, logging, tenancy context, lifecycle (and, as services grow,
server bootstrap, interceptors, errors and store clients). Services import from here instead
of re-writing any of it."""
