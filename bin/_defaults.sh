# The embedded defaults bin/start and bin/manage run with, unless the environment says
# otherwise: development mode (DJANGO_DEBUG on, so no DJANGO_SECRET_KEY is needed) on
# config/settings.py's own defaults — SQLite, local files and a broker on the filesystem,
# all under var/. Production exports its settings (DJANGO_DEBUG=false among them) instead.
# Sourced after _venv.sh (which moves to the repository), not executed.
export DJANGO_DEBUG="${DJANGO_DEBUG:-true}"
mkdir -p var
