#!/usr/bin/python3
"""Notes: a small web app on Debian's Python and SQLite, run by lighttpd as a CGI program.

GET lists the notes; POST adds one (the form's "text" field). The notes live in an SQLite
database under /var/lib/notes, which the web server's user (www-data) owns.
"""
import html
import os
import sqlite3
import sys
import urllib.parse

DATABASE = "/var/lib/notes/notes.db"


def connect():
    db = sqlite3.connect(DATABASE)
    db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL, added TEXT DEFAULT CURRENT_TIMESTAMP)")
    return db


def main():
    db = connect()
    if os.environ.get("REQUEST_METHOD") == "POST":
        length = int(os.environ.get("CONTENT_LENGTH") or 0)
        fields = urllib.parse.parse_qs(sys.stdin.read(length))
        text = (fields.get("text") or [""])[0].strip()
        if text:
            with db:
                db.execute("INSERT INTO notes (text) VALUES (?)", (text[:500],))
        print("Status: 303 See Other\nLocation: /cgi-bin/notes.py\n")
        return
    rows = db.execute("SELECT text, added FROM notes ORDER BY id DESC").fetchall()
    items = "\n".join(f"<li>{html.escape(text)} <small>{added}</small></li>" for text, added in rows) or "<li><em>No notes yet.</em></li>"
    print("Content-Type: text/html; charset=utf-8\n")
    print(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notes</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>Notes</h1>
<p>Served by lighttpd, written in Python {sys.version.split()[0]}, kept in SQLite {sqlite3.sqlite_version}.</p>
<form method="post"><input name="text" size="40" placeholder="A note" autofocus> <button>Add</button></form>
<ul>{items}</ul>
</body></html>""")


main()
