#!/bin/sh
# Puts a secret (from $DB_PASSWORD) on command lines in the ways careless scripts do: a format
# argument, an unquoted and quoted key=value in a shell string, $'...', a here-string, an export,
# env, an interpreter's -c string and an option of its own.
sleep 0.5
/usr/bin/printf 'password=%s\n' "$DB_PASSWORD" > /dev/null
sh -c "echo api_token=$DB_PASSWORD > $1/out.txt"
sh -c "echo \"api_token=$DB_PASSWORD\" > $1/out2.txt"
sh -c "echo 'secret=$DB_PASSWORD' >> $1/out2.txt"
bash -c "cat <<< \$'password=$DB_PASSWORD' > /dev/null"
sh -c "export API_KEY=$DB_PASSWORD; true"
env DB_PASSWORD="$DB_PASSWORD" true
python3 -c "import os; os.environ[\"API_TOKEN\"]=\"$DB_PASSWORD\"" 2>/dev/null
sh -c "true --password $DB_PASSWORD"
sleep 1
