# The synchronizer, for users who run the stack with Docker (docker-compose.yml).
# Without Docker, `tools/stack up` runs Neo4j and RabbitMQ on the machine instead.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
# Only what the package is built from: never .stack/ (the local stack's data and password).
COPY pyproject.toml README* ./
COPY cdm_graph ./cdm_graph
COPY cypher ./cypher
RUN pip install . \
    && rm -rf /src \
    && useradd --system --no-create-home --shell /usr/sbin/nologin cdm-graph \
    && mkdir -p /etc/cdm-graph \
    && touch /etc/cdm-graph/cdm-graph.conf

WORKDIR /
USER cdm-graph

# Settings come from the mounted /etc/cdm-graph/cdm-graph.conf or from OS_<GROUP>__<OPTION>
# environment variables (oslo.config's environment source), which keep secrets out of files.
CMD ["cdm-graph", "--config-file", "/etc/cdm-graph/cdm-graph.conf", "sync"]
