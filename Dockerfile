# One image for every OpenFrame service (compose.yaml picks the command). Generated code is
# committed under gen/, so the image needs no code generation step.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY infra infra
COPY services services
COPY gen gen
RUN pip install --no-cache-dir .
USER nobody
