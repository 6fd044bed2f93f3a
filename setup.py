"""Packaging details pyproject.toml cannot express: rules/ installs as `analyzer.rules`."""

from setuptools import find_packages, setup

DATA = ["*.yaml", "*.json", "*.html", "*.j2", "*.css", "*.js", "*/*.yaml", "*/*.j2", "*/*.html",
        "*/*.css", "*/*.js"]

setup(
    packages=find_packages(include=["analyzer", "analyzer.*"]) + ["analyzer.rules"],
    package_dir={"analyzer.rules": "rules"},
    package_data={"analyzer": DATA, "": DATA, "analyzer.rules": ["*.yaml", "*/*.yaml", "*.md"]},
    include_package_data=False,
)
