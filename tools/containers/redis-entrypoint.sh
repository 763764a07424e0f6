#!/bin/sh
# As the official image: a redis-server started without a configuration file listens on
# every interface with protected mode off (Debian's default would refuse other containers).
set -e
if [ "$1" = redis-server ]; then
    shift
    set -- redis-server --protected-mode no "$@"
fi
exec "$@"
