"""MITx Online: management-command writes, REST reads, and one module per resource.

    transport.py             runs one management command (argv prefix from stack config),
                             checks its arguments, maps exit codes and messages to errors
    commands.py              the argument vector of each command used, and output parsers
    rest.py                  the REST reads that accept `Authorization: Api-Key`
    client.py                one client per process: commands, REST, and the reads shared
                             by every resource of a refresh (forgotten after any write)
    models.py                declared inputs and live shapes, normalised alike
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
