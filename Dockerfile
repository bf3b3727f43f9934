# openrouter-mcp as a Streamable HTTP service for a team (see README, "Run it as a service"):
#
#   docker build -t openrouter-mcp .
#   docker run -d --name openrouter-mcp -p 8000:8000 \
#     -e OPENROUTER_API_KEY -e MCP_HTTP_TOKEN -v openrouter-mcp-data:/data openrouter-mcp
#
# Secrets reach the container from its environment at run time only: the image holds none
# (.dockerignore lets nothing but the package's sources into the build), and a server bound to
# 0.0.0.0 refuses to start without MCP_HTTP_TOKEN.

# Build the wheel from this checkout (the sources only; no build tools reach the final image).
FROM python:3.13-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENROUTER_MCP_DATA_DIR=/data \
    OPENROUTER_MCP_CACHE_DIR=/data/cache
COPY --from=build /wheels /tmp/wheels
RUN pip install --no-cache-dir /tmp/wheels/*.whl \
 && rm -rf /tmp/wheels \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
 && mkdir -p /data \
 && chown 10001:10001 /data \
 && chmod 700 /data

# Numeric, so Kubernetes' runAsNonRoot can check it. The usage ledger, jobs and caches live in /data.
USER 10001:10001
WORKDIR /home/app
VOLUME ["/data"]
EXPOSE 8000

# python:slim has no curl: the check uses the interpreter that is there anyway.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

ENTRYPOINT ["openrouter-mcp"]
CMD ["serve", "--http", "--host", "0.0.0.0", "--port", "8000"]
