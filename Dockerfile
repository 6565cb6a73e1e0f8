# The bot in a container. Used by docker-compose.yml (PostgreSQL + Redis); see README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

# pyproject.toml names README.md as the long description, so the build needs it.
COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY scheduler ./scheduler
# Texts are looked up next to the bot package (bot/i18n.py: <bot>/../locales), not inside
# it: the bot runs from /app (PYTHONPATH) so that /app/locales is found. The installed copy
# of the package is there for its dependencies.
COPY locales ./locales
COPY templates ./templates

RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

USER bot

# Migrations run automatically at start.
CMD ["python", "-m", "bot"]
