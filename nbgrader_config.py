# nbgrader reads only this file name; every setting lives in grader_config.py.
load_subconfig("grader_config.py")  # noqa: F821
