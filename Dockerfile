# The bot in a container. Used by docker-compose.yml (PostgreSQL + Redis); see README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# pyproject.toml names README.md as the long description, so the build needs it. Texts,
# templates and migrations live inside bot/ and ship in the installed package.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY scheduler ./scheduler

# The bot runs from the installed package; the sources are removed so that nothing is read
# from /app by accident. /app/data keeps the SQLite database when no DATABASE_URL is set.
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info bot scheduler \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

USER bot

# Migrations run automatically at start.
CMD ["python", "-m", "bot"]
