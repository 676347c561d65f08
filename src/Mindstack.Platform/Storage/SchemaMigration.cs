using Microsoft.EntityFrameworkCore.Migrations;

namespace Mindstack.Platform.Storage;

/// <summary>
/// One versioned, hand-written schema change, expressed with EF Core's provider-neutral
/// <see cref="MigrationBuilder"/> so the same migration produces SQLite and PostgreSQL DDL.
/// Ids sort in the order migrations apply: <c>yyyyMMddNN_area_what</c>, e.g.
/// <c>2026112301_accounts_initial</c>. An applied migration is never edited; a change is a new one.
/// Column types come from the CLR type (<c>t.Column&lt;DateTime&gt;()</c> is timestamptz on
/// PostgreSQL and ISO text on SQLite); names are snake_case, as <see cref="SnakeCaseNames"/> maps
/// the model. Times are UTC <see cref="DateTime"/>s; money and credits are whole <c>long</c> units.
/// Subclasses are discovered in every assembly registered with
/// <see cref="StorageServiceCollectionExtensions.AddMigrationsFrom"/>.
/// </summary>
public abstract class SchemaMigration
{
    public abstract string Id { get; }

    public abstract void Up(MigrationBuilder migration, DatabaseProvider provider);
}
