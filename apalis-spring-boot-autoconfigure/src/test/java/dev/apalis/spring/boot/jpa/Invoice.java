package dev.apalis.spring.boot.jpa;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

/**
 * A business row written through Hibernate, next to the tasks pushed for it.
 */
@Entity
public class Invoice {

    @Id
    private String id;

    protected Invoice() {
    }

    public Invoice(String id) {
        this.id = id;
    }

    public String getId() {
        return this.id;
    }
}
