"""SQLite tables of the MITx Online emulation (all prefixed ``mitx_``).

Wagtail pages (index pages, course pages, organizations, contracts) share one id
sequence, ``mitx_page``, because contract and organization ids are Wagtail page ids
(docs/platforms/mitxonline.md §3: "organizations 17 and 20, contracts 18, 19, 21, 22").
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS mitx_page (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    page_type TEXT NOT NULL,
    parent_id INTEGER,
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    live INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS mitx_department (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS mitx_course (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    readable_id TEXT NOT NULL UNIQUE,
    live INTEGER NOT NULL DEFAULT 0,
    created_on TEXT NOT NULL,
    updated_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_course_department (
    course_id INTEGER NOT NULL REFERENCES mitx_course(id),
    department_id INTEGER NOT NULL REFERENCES mitx_department(id),
    PRIMARY KEY (course_id, department_id)
);
CREATE TABLE IF NOT EXISTS mitx_course_page (
    id INTEGER PRIMARY KEY REFERENCES mitx_page(id),
    course_id INTEGER UNIQUE REFERENCES mitx_course(id),
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    live INTEGER NOT NULL,
    description TEXT NOT NULL,
    length TEXT NOT NULL,
    min_weekly_hours TEXT NOT NULL,
    max_weekly_hours TEXT NOT NULL,
    include_in_learn_catalog INTEGER NOT NULL DEFAULT 0,
    ingest_content_files_for_ai INTEGER NOT NULL DEFAULT 0,
    first_published_at TEXT,
    last_published_at TEXT
);
CREATE TABLE IF NOT EXISTS mitx_enrollment_mode (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mode_slug TEXT NOT NULL UNIQUE,
    mode_display_name TEXT NOT NULL,
    requires_payment INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_course_run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    course_id INTEGER NOT NULL REFERENCES mitx_course(id),
    title TEXT NOT NULL,
    courseware_id TEXT NOT NULL UNIQUE,
    run_tag TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    enrollment_start TEXT,
    enrollment_end TEXT,
    certificate_available_date TEXT,
    expiration_date TEXT,
    upgrade_deadline TEXT,
    live INTEGER NOT NULL DEFAULT 0,
    is_self_paced INTEGER NOT NULL DEFAULT 0,
    has_courseware_url INTEGER NOT NULL DEFAULT 1,
    b2b_contract_id INTEGER,
    is_source_run INTEGER NOT NULL DEFAULT 0,
    is_primary_language INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT 'en',
    variant_length TEXT NOT NULL DEFAULT '',
    variant_industry TEXT NOT NULL DEFAULT '',
    UNIQUE (course_id, courseware_id, run_tag)
);
CREATE TABLE IF NOT EXISTS mitx_course_run_mode (
    run_id INTEGER NOT NULL REFERENCES mitx_course_run(id),
    mode_id INTEGER NOT NULL REFERENCES mitx_enrollment_mode(id),
    PRIMARY KEY (run_id, mode_id)
);
CREATE TABLE IF NOT EXISTS mitx_enrollment (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES mitx_course_run(id),
    user_email TEXT NOT NULL,
    created_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_organization (
    id INTEGER PRIMARY KEY REFERENCES mitx_page(id),
    name TEXT NOT NULL,
    org_key TEXT NOT NULL UNIQUE,
    org_key_prefix TEXT NOT NULL DEFAULT 'UAI_',
    description TEXT NOT NULL DEFAULT '',
    sso_organization_id TEXT UNIQUE,
    slug TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_contract (
    id INTEGER PRIMARY KEY REFERENCES mitx_page(id),
    organization_id INTEGER NOT NULL REFERENCES mitx_organization(id),
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    welcome_message TEXT NOT NULL DEFAULT '',
    welcome_message_extra TEXT NOT NULL DEFAULT '',
    membership_type TEXT NOT NULL DEFAULT 'managed',
    contract_start TEXT,
    contract_end TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    max_learners INTEGER,
    enrollment_fixed_price TEXT,
    google_sheet_target TEXT DEFAULT '',
    google_sheet_target_tab TEXT NOT NULL DEFAULT 'Sheet1',
    UNIQUE (organization_id, slug)
);
CREATE TABLE IF NOT EXISTS mitx_supported_variant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_type TEXT NOT NULL CHECK (owner_type IN ('course', 'contract')),
    owner_id INTEGER NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    variant_length TEXT NOT NULL DEFAULT '',
    variant_industry TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    b2b_only INTEGER NOT NULL DEFAULT 0,
    default_variant INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mitx_product (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES mitx_course_run(id),
    price TEXT NOT NULL,
    description TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS mitx_discount (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    discount_code TEXT NOT NULL,
    amount TEXT NOT NULL,
    discount_type TEXT NOT NULL,
    redemption_type TEXT NOT NULL,
    payment_type TEXT NOT NULL,
    is_bulk INTEGER NOT NULL DEFAULT 1,
    activation_date TEXT,
    expiration_date TEXT,
    created_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_discount_product (
    discount_id INTEGER NOT NULL REFERENCES mitx_discount(id),
    product_id INTEGER NOT NULL REFERENCES mitx_product(id),
    PRIMARY KEY (discount_id, product_id)
);
CREATE TABLE IF NOT EXISTS mitx_code_redemption (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    discount_id INTEGER NOT NULL REFERENCES mitx_discount(id),
    contract_id INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('attach', 'enroll')),
    user_email TEXT NOT NULL,
    redeemed_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_keycloak_org (
    id TEXT PRIMARY KEY,
    alias TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS mitx_clone_task (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES mitx_course_run(id),
    source_courseware_id TEXT NOT NULL,
    target_courseware_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
    eta REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS mitx_program (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    readable_id TEXT NOT NULL UNIQUE,
    live INTEGER NOT NULL DEFAULT 0,
    b2b_only INTEGER NOT NULL DEFAULT 0,
    display_mode TEXT,
    program_type TEXT DEFAULT 'Series',
    availability TEXT NOT NULL DEFAULT 'anytime',
    start_date TEXT,
    end_date TEXT,
    enrollment_start TEXT,
    enrollment_end TEXT,
    created_on TEXT NOT NULL,
    updated_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mitx_program_department (
    program_id INTEGER NOT NULL REFERENCES mitx_program(id),
    department_id INTEGER NOT NULL REFERENCES mitx_department(id),
    PRIMARY KEY (program_id, department_id)
);
CREATE TABLE IF NOT EXISTS mitx_program_mode (
    program_id INTEGER NOT NULL REFERENCES mitx_program(id),
    mode_id INTEGER NOT NULL REFERENCES mitx_enrollment_mode(id),
    PRIMARY KEY (program_id, mode_id)
);
CREATE TABLE IF NOT EXISTS mitx_related_program (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_program_id INTEGER NOT NULL REFERENCES mitx_program(id),
    second_program_id INTEGER NOT NULL REFERENCES mitx_program(id)
);
-- courses.ProgramRequirement, a treebeard materialized-path tree (steplen 4): one root
-- per program, operator nodes under it, course nodes under the operators.
CREATE TABLE IF NOT EXISTS mitx_program_requirement (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    path TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    numchild INTEGER NOT NULL DEFAULT 0,
    node_type TEXT,
    operator TEXT,
    operator_value TEXT,
    program_id INTEGER NOT NULL REFERENCES mitx_program(id),
    course_id INTEGER REFERENCES mitx_course(id),
    required_program_id INTEGER REFERENCES mitx_program(id),
    title TEXT DEFAULT '',
    elective_flag INTEGER DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mitx_program_page (
    id INTEGER PRIMARY KEY REFERENCES mitx_page(id),
    program_id INTEGER UNIQUE REFERENCES mitx_program(id),
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    live INTEGER NOT NULL,
    description TEXT NOT NULL,
    length TEXT NOT NULL,
    min_weekly_hours TEXT NOT NULL,
    max_weekly_hours TEXT NOT NULL,
    include_in_learn_catalog INTEGER NOT NULL DEFAULT 0,
    first_published_at TEXT,
    last_published_at TEXT
);
-- b2b.ContractProgramItem (an Orderable).
CREATE TABLE IF NOT EXISTS mitx_contract_program (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL REFERENCES mitx_contract(id),
    program_id INTEGER NOT NULL REFERENCES mitx_program(id),
    sort_order INTEGER,
    UNIQUE (contract_id, program_id)
);
-- b2b.tasks.create_program_contract_runs, queued by a ContractProgramItem saved without
-- skip_run_creation.
CREATE TABLE IF NOT EXISTS mitx_program_task (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id INTEGER NOT NULL,
    program_id INTEGER NOT NULL,
    org_prefix TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    eta REAL NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
"""
