using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Issue19Words : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateSequence(
                name: "InstanceNumbers");

            migrationBuilder.AddColumn<long>(
                name: "Number",
                table: "Instances",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Applications filed before reference numbers existed get theirs in the order they were filed; the
            // sequence goes on after the last of them.
            migrationBuilder.Sql("""
                UPDATE "Instances" AS i SET "Number" = n."Rank"
                FROM (SELECT "Id", ROW_NUMBER() OVER (ORDER BY "StartedAt", "Id") AS "Rank" FROM "Instances") AS n
                WHERE n."Id" = i."Id";
                SELECT setval('"InstanceNumbers"', COALESCE((SELECT MAX("Number") FROM "Instances"), 0) + 1, false);
                """);

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Number",
                table: "Instances",
                column: "Number",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Number",
                table: "Instances");

            migrationBuilder.DropColumn(
                name: "Number",
                table: "Instances");

            migrationBuilder.DropSequence(
                name: "InstanceNumbers");
        }
    }
}
