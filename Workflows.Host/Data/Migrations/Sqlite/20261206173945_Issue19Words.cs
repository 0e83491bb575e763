using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Issue19Words : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Number",
                table: "Instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Applications filed before reference numbers existed get theirs in the order they were filed.
            migrationBuilder.Sql("""
                UPDATE "Instances" SET "Number" = n."Rank"
                FROM (SELECT "Id", ROW_NUMBER() OVER (ORDER BY "StartedAt", "Id") AS "Rank" FROM "Instances") AS n
                WHERE n."Id" = "Instances"."Id";
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
        }
    }
}
