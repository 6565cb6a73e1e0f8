# The bot in a container; docker-compose.yml runs two of them in webhook mode (see README).
# Pinned base: a tag that names Python's patch release and the Debian release.
FROM python:3.11.7-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies in their own layer, at the versions the tests ran with: a code change does not
# reinstall them. Dev tools in the constraints file are not installed (constraints only pin).
COPY deploy/constraints.txt /tmp/constraints.txt
COPY pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('/tmp/pyproject.toml','rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt -c /tmp/constraints.txt

# pyproject.toml names README.md as the long description, so the build needs it. Texts,
# templates and migrations live inside bot/ and ship in the installed package.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY scheduler ./scheduler

# The bot runs from the installed package; the sources are removed so that nothing is read
# from /app by accident. /app/data keeps the SQLite database when no DATABASE_URL is set.
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info bot scheduler \
    && groupadd --gid 10001 bot \
    && useradd --create-home --uid 10001 --gid 10001 bot \
    && mkdir -p /app/data \
    && chown 10001:10001 /app/data

# By number: a host (or Kubernetes' runAsNonRoot) can tell it is not root without the image's
# /etc/passwd.
USER 10001:10001
EXPOSE 8080

# /healthz answers 200 when the database (and Redis) answer; only where the web server runs
# (webhook mode, or WEB_PORT set).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os,urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8080'), timeout=4)"]

# Migrations run automatically at start (compose runs them once, before the replicas).
CMD ["python", "-m", "bot"]
