/**
 * The backend SPI: how workers claim, complete and release tasks, and how operators inspect them.
 */
package dev.apalis.backend;
