"""MITx Online: management-command writes, REST reads, and one module per resource.

    transport.py             runs one management command (argv prefix from stack config),
                             checks its arguments, maps exit codes and messages to errors
    session.py               command sessions: many commands through one `manage.py shell`
    commands.py              the argument vector of each command used
    outputs.py               what the commands print, read back
    listing.py               the `b2b_list` tables as rows
    run_keys.py              the contract a contract run key carries
    retries.py               how a failed command is tried again
    clone_wait.py            waiting for the edX clones of `b2b_courseware add`
    rest.py                  the REST reads that accept `Authorization: Api-Key`
    reads.py                 results of reads shared until the next write
    client.py                one client per process: a facade over commands, sessions,
                             REST and the shared reads (forgotten after any write)
    models.py                declared inputs and live shapes, normalised alike
    shapes.py                live objects in their declared shape (resources and adopt)
    course.py                mitxonline:Course
    course_run.py            mitxonline:CourseRun (source runs too)
    course_page.py           mitxonline:CoursePage
    organization.py          mitxonline:Organization
    contract.py              mitxonline:Contract
    contract_courseware.py   mitxonline:ContractCourseware
    enrollment_codes.py      mitxonline:EnrollmentCodes

docs/resources/mitxonline-*.md say, per resource, which command writes each field and
what observes it.
"""
