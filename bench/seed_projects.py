"""Seeds the bench organization of a running Gatehouse's SQLite database: MEMBERS members,
PROJECTS projects and GRANTS grants (spread evenly, each project holding GRANTS/PROJECTS of the
members), plus grants for the signed-in bench member on every tenth project.

Usage: seed_projects.py <database file> <organization id> <bench member user id>
Prints one project id the bench member holds a role on, and one member id granted on it.
"""
import random
import sqlite3
import sys
import time
import uuid

MEMBERS, PROJECTS, GRANTS = 10_000, 1_000, 100_000
ROLES = ("admin", "member", "viewer")

db, org, member = sys.argv[1:4]
now = int(time.time() * 1000)
rng = random.Random(7)
conn = sqlite3.connect(db, timeout=30)
conn.execute("PRAGMA foreign_keys = ON")
users = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(MEMBERS)]
conn.executemany(
    "INSERT INTO users (id, email, name, password_hash, created_at, updated_at) "
    "VALUES (?, ?, ?, 'x', ?, ?)",
    [(u, f"user{i:05}@bench.example", f"User {i:05}", now, now) for i, u in enumerate(users)],
)
conn.executemany(
    "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) "
    "VALUES (?, ?, 'member', ?, ?, ?)",
    [(org, u, now, now, f"user {i:05} user{i:05}@bench.example") for i, u in enumerate(users)],
)
projects = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(PROJECTS)]
conn.executemany(
    "INSERT INTO projects (id, org_id, name, name_key, description, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    [(p, org, f"Project {i:04}", f"project {i:04}", f"Workload number {i}", now)
     for i, p in enumerate(projects)],
)
per_project = GRANTS // PROJECTS
grants = []
for i, p in enumerate(projects):
    start = (i * per_project) % MEMBERS
    for j in range(per_project):
        grants.append((p, org, users[(start + j) % MEMBERS], ROLES[j % 3], now))
conn.executemany(
    "INSERT INTO project_grants (project_id, org_id, user_id, role, granted_at) "
    "VALUES (?, ?, ?, ?, ?)",
    grants,
)
conn.executemany(
    "INSERT INTO project_grants (project_id, org_id, user_id, role, granted_at) "
    "VALUES (?, ?, ?, 'member', ?)",
    [(p, org, member, now) for p in projects[::10]],
)
conn.commit()
print(projects[0], users[0])
