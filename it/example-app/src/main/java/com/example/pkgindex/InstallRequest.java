package com.example.pkgindex;

/**
 * The payload of {@code install} sent by a Java client; registered for the wire as id 100 in pkgindex.conf.
 *
 * @param name the package to install
 */
public record InstallRequest(String name) {}
