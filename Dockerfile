# The comments service: gunicorn workers over PostgreSQL and Redis.
# Needs COMMENTS_SECRET_KEY (the entry point stops without it) and serves no demo.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md CHANGELOG.md ./
COPY comments ./comments
COPY migrations ./migrations
COPY static ./static
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    COMMENTS_INSTANCE_PATH=/var/lib/comments
RUN useradd --system --home /var/lib/comments --create-home comments
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
COPY docker/entrypoint.sh /usr/local/bin/comments-entrypoint
USER comments
WORKDIR /var/lib/comments
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"
ENTRYPOINT ["comments-entrypoint"]
