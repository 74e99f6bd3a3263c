#!/bin/sh
# Puts a secret (from $DB_PASSWORD) on command lines in three ways, as careless scripts do.
sleep 0.5
/usr/bin/printf 'password=%s\n' "$DB_PASSWORD" > /dev/null
sh -c "echo api_token=$DB_PASSWORD > $1/out.txt"
env DB_PASSWORD="$DB_PASSWORD" true
sleep 1
