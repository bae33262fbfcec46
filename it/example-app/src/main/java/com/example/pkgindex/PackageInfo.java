package com.example.pkgindex;

/**
 * What {@code info} answers; registered as id 102.
 *
 * @param name the package
 * @param version the version the index offers
 * @param description one line about it
 * @param installed whether it is installed
 */
public record PackageInfo(String name, String version, String description, boolean installed) {}
