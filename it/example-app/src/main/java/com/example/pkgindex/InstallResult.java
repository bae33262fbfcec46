package com.example.pkgindex;

/**
 * What {@code install} answers; registered as id 101.
 *
 * @param name the package installed
 * @param version its version
 * @param path where it was installed
 */
public record InstallResult(String name, String version, String path) {}
