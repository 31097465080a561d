# The assistant's image: Rasa, the action server, the staff console and `bot purge` all run from it
# (deploy/kubernetes picks the process with each container's command). The trained model is baked
# in, so a pod never trains and every replica answers with the same model.
#
# Each step says which step of the Makefile it mirrors. Build from the repository root:
#   docker build -t immigrant-services-assistant:0.1.0 .
FROM python:3.10-slim
# Makefile: PYTHON ?= python3.10 (Rasa 3.6 supports no newer Python; .python-version says 3.10).

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false

# Not in the Makefile: the numeric user the processes run as (Kubernetes' runAsNonRoot can only
# verify a numeric USER; deploy/kubernetes sets runAsUser to the same 10001). It owns nothing in
# /app: the code and the model stay read-only for it.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app

# Makefile `$(INSTALLED)`: `pip install -c constraints.txt --upgrade "pip<24" wheel`.
COPY constraints.txt ./
RUN python -m pip install --quiet -c constraints.txt --upgrade "pip<24" wheel

# Makefile `$(INSTALLED)`: `pip install -c constraints.txt -e ".[test]"`, here without the test
# extra and not editable: `pip install -c constraints.txt .` (constraints.txt pins everything Rasa
# pulls in). Processes are started as `python -m …` from /app, so they import the copies of bot/ and
# actions/ in /app (bot.ROOT is then /app, where config.yml, domain.yml and knowledge/ are).
COPY pyproject.toml ./
COPY bot/ bot/
COPY actions/ actions/
RUN python -m pip install --quiet -c constraints.txt . && rm -rf build ./*.egg-info
# Makefile `$(INSTALLED)`: `pip check` (Rasa's pins must stay consistent).
RUN python -m pip check

# Makefile `train` needs these: the Rasa project (config.yml, domain.yml, data/), the knowledge
# base, and the endpoints/credentials files of both profiles. Procfile: what `make run` starts.
COPY config.yml domain.yml Procfile ./
COPY endpoints*.yml credentials*.yml ./
COPY data/ data/
COPY knowledge/ knowledge/

# Makefile `train`: `python -m bot train`, at build time, so the model is part of the image.
# Rasa's training cache (.rasa/) only serves the next training: it is dropped.
RUN python -m bot train && rm -rf .rasa && test -f models/assistant.tar.gz

# Not in the Makefile: bytecode compiled now, since the pods' root filesystem is read-only.
RUN python -m compileall -q bot actions

# Not in the Makefile: drop root. Numeric, so that Kubernetes can check runAsNonRoot.
USER 10001:10001

EXPOSE 5005 5055 5002

# Procfile `rasa`, production profile: PostgreSQL tracker store and Redis lock store
# (endpoints.production.yml), SMS and Telegram only (credentials.production.yml), listening on every
# interface of the container. The other processes override the command (deploy/kubernetes):
#   python -m bot actions --host 0.0.0.0 --port 5055      (needs ACTION_SERVER_TOKEN)
#   python -m bot console --host 0.0.0.0 --port 5002 --endpoints endpoints.production.yml
#   python -m bot purge --endpoints endpoints.production.yml
CMD ["python", "-m", "bot.rasa_launcher", "run", "--interface", "0.0.0.0", "--port", "5005", \
     "--endpoints", "endpoints.production.yml", "--credentials", "credentials.production.yml", "--model", "models"]
