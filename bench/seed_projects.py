"""Seeds the bench organization of a running Gatehouse's SQLite database: MEMBERS members,
PROJECTS projects and GRANTS grants (spread evenly, each project holding GRANTS/PROJECTS of the
members), plus grants for the signed-in bench member on every tenth project; TEAMS teams, the
i-th member in 1 + i % 50 of them (up to 50), each team holding a role on 3 projects; the bench
member in 50 teams.

Usage: seed_projects.py <database file> <organization id> <bench member user id>
Prints one project id the bench member holds a role on, one member id granted on it, and one
project the bench member reaches only through one of their teams.
"""
import random
import sqlite3
import sys
import time
import uuid

MEMBERS, PROJECTS, GRANTS, TEAMS, MAX_TEAMS = 10_000, 1_000, 100_000, 1_000, 50
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
teams = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(TEAMS)]
conn.executemany(
    "INSERT INTO teams (id, org_id, name, name_key, description, created_at) "
    "VALUES (?, ?, ?, ?, '', ?)",
    [(t, org, f"Team {i:04}", f"team {i:04}", now) for i, t in enumerate(teams)],
)
conn.executemany(
    "INSERT INTO team_members (team_id, org_id, user_id, is_lead, added_at) "
    "VALUES (?, ?, ?, 0, ?)",
    [(teams[(i * 7 + k) % TEAMS], org, u, now)
     for i, u in enumerate(users) for k in range(1 + i % MAX_TEAMS)]
    + [(teams[k * 20], org, member, now) for k in range(MAX_TEAMS)],
)
team_grants = {}
for i, t in enumerate(teams):
    for k in range(3):
        team_grants[(projects[(i * 3 + k + 1) % PROJECTS], t)] = ROLES[(i + k) % 3]
conn.executemany(
    "INSERT INTO team_project_grants (project_id, team_id, org_id, role, granted_at) "
    "VALUES (?, ?, ?, ?, ?)",
    [(p, t, org, role, now) for (p, t), role in team_grants.items()],
)
conn.commit()
# A project the bench member reaches only through a team: not every tenth (their own grants).
mine = {teams[k * 20] for k in range(MAX_TEAMS)}
through_team = next(p for (p, t) in team_grants if t in mine and projects.index(p) % 10 != 0)
print(projects[0], users[0], through_team)
