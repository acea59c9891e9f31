import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { UserService } from '#domain';
import { Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { createUserSchema, openApi } from '../http/schemas';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UserService) {}

  /** Creates a user; the token is in this answer only. */
  @Post()
  @ApiBody({ schema: openApi(createUserSchema) })
  async create(@Body(new ZodPipe(createUserSchema)) body: z.infer<typeof createUserSchema>) {
    const { user, token } = await this.users.create(body);
    return { ...user, token };
  }

  @Get()
  list() {
    return this.users.list();
  }

  /** Revokes a user and its token at once. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    await this.users.revoke(id);
  }
}
