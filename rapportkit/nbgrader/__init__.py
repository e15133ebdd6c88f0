"""nbgrader plug-ins, one per file, configured by traitlets as nbgrader's own preprocessors are.

* :mod:`~rapportkit.nbgrader.sandbox`: nbgrader's Execute with the kernel in a bubblewrap sandbox;
* :mod:`~rapportkit.nbgrader.judge`: re-scores every autograded test cell outside the student's kernel;
* :mod:`~rapportkit.nbgrader.feedback`: feedback without hidden tests;
* :mod:`~rapportkit.nbgrader.export`: the export plugin (a column per step and per skill, LMS layouts);
* :mod:`~rapportkit.nbgrader.worker`: one grading process per batch, a student at a time.

They run on the grader's machine, never in a student's kernel.
"""

# Lines the plug-ins log for the instructor's batch report start with this tag (collected by the instructor
# commands): the judge's findings, the sandbox's warnings.
REPORT_TAG = "rapportkit-report:"
