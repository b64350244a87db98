"""The registry of a tenant's integrated tools (Fleet, MeshCentral, Tactical RMM, ...):
model → repository (MongoDB ``integrated_tools``) → service (rules, sealing of credentials,
health probes) → servicer (gRPC/REST). The proxy that uses them is ``services/external/proxy/``."""
