# The dd-toolkit image: every collector, `dd-toolkit` as the entrypoint, run by the Helm chart's
# CronJobs as user 10001 (charts/datadog-collectors/values.yaml podSecurityContext.runAsUser).
#   docker build -t dd-toolkit:0.1.0 .
#   docker run --rm dd-toolkit:0.1.0 list
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the toolkit with its built-in collectors (setup.py bundles collectors/ into the package)
# and its runtime dependencies (no extras: no dashboard, scaffolder, test or dev tools) into a venv
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/venv
# requirements.lock (`make lock`): the base install's dependency closure and the build backend,
# each pinned with ==, every downloaded file checked against its sha256: the same build tomorrow
# installs the same bytes. Its own layer, so a code change reuses it.
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --requirement requirements.lock
COPY pyproject.toml setup.py README.md ./
COPY toolkit ./toolkit
COPY collectors ./collectors
# The toolkit itself, with nothing more: --no-deps (its dependencies are the lock's) and no build
# isolation (the locked setuptools builds it, rather than one fetched unpinned). `pip check` fails
# the build when the lock lacks a dependency pyproject.toml declares (run `make lock`).
# pip compiles the .pyc files here: the runtime's root filesystem is read-only. pip and
# setuptools leave the venv afterwards; the runtime stage installs nothing.
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation . \
 && /opt/venv/bin/pip check \
 && /opt/venv/bin/python -m pip uninstall --yes --quiet pip setuptools

# --- runtime: the slim base, the venv, a non-root user; no compilers, no pip
FROM ${PYTHON_IMAGE}
RUN groupadd --gid 10001 ddtoolkit \
 && useradd --no-log-init --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin ddtoolkit
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
WORKDIR /tmp
USER 10001:10001
ENTRYPOINT ["dd-toolkit"]
CMD ["list"]
