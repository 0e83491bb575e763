using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class HistoryActorIndexOnlyActors : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_History_ActorId_At",
                table: "History");

            migrationBuilder.CreateIndex(
                name: "IX_History_ActorId_At",
                table: "History",
                columns: new[] { "ActorId", "At" },
                filter: "\"ActorId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_History_ActorId_At",
                table: "History");

            migrationBuilder.CreateIndex(
                name: "IX_History_ActorId_At",
                table: "History",
                columns: new[] { "ActorId", "At" });
        }
    }
}
