package dev.apalis.spring.boot.jpa;

import org.springframework.data.jpa.repository.JpaRepository;

/**
 * The Spring Data repository of {@link Invoice}.
 */
public interface InvoiceRepository extends JpaRepository<Invoice, String> {

}
