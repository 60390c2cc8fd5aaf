/**
 * Pushes inside JPA (Hibernate) transactions and beside them: an entity, its repository and the
 * applications that use them with the tasks on the same or on another DataSource.
 */
package dev.apalis.spring.boot.jpa;
